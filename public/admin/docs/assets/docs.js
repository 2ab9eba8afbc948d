/*
 * Starts Swagger UI on the /admin/docs page (src/http/routes/admin/docs.ts) over the admin API's
 * OpenAPI document. Loaded after swagger-ui/swagger-ui-bundle.js, which defines SwaggerUIBundle.
 */
window.ui = SwaggerUIBundle({
  url: '/admin/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  tryItOutEnabled: false
});
