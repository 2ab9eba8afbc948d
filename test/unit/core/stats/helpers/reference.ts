/**
 * Independent reference computations for cross-checking the statistics core: different formulas
 * (GrowthBook's parameterisation) or brute-force numerical integration, never the code under test.
 *
 * Source: docs/statistics.md §4.2 (GrowthBook form), §4.1 and §4.3 (half-normal mixture), §6.3 and §9.1 (Beta and
 * Dirichlet mixtures).
 */

/** ln Σ exp(x_i), stable. */
function logSumExp(xs: number[]): number {
  let m = Number.NEGATIVE_INFINITY
  for (const x of xs) if (x > m) m = x
  let sum = 0
  for (const x of xs) sum += Math.exp(x - m)
  return m + Math.log(sum)
}

/**
 * GrowthBook's one-sided half-width (gbstats `sequentialIntervalHalfwidthOneSided`):
 * ρ = sqrt(η/N), s² = SE²·N, half = s·sqrt(2(Nρ²+1)/(N²ρ²)·ln(1 + sqrt(Nρ²+1)/(2α))).
 * Here η = τ²/V and N is arbitrary (it cancels).
 */
export function growthBookHalfWidth(V: number, tau2: number, alpha: number): number {
  const N = 12_345
  const rho = Math.sqrt(tau2 / V / N)
  const s = Math.sqrt(V * N)
  const nr2 = N * rho * rho
  return s * Math.sqrt(((2 * (nr2 + 1)) / (N * N * rho * rho)) * Math.log(1 + Math.sqrt(nr2 + 1) / (2 * alpha)))
}

/**
 * Half-normal mixture likelihood ratio by Simpson quadrature over θ ∈ (0, 12τ):
 * Λ⁺ = ∫ exp((θd − θ²/2)/V) · 2φ(θ/τ)/τ dθ. Returns min(1, 1/Λ⁺).
 */
export function quadratureHalfNormalPValue(d: number, V: number, tau2: number): number {
  const tau = Math.sqrt(tau2)
  const steps = 20_000
  const hi = 12 * tau + Math.max(0, 2 * d)
  const h = hi / steps
  const logTerms: number[] = []
  for (let i = 0; i <= steps; i++) {
    const t = i * h
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2
    const logPrior = Math.log(2 / (tau * Math.sqrt(2 * Math.PI))) - (t * t) / (2 * tau2)
    logTerms.push(Math.log(w) + (t * d - (t * t) / 2) / V + logPrior)
  }
  const logLambda = logSumExp(logTerms) + Math.log(h / 3)
  return Math.min(1, Math.exp(-logLambda))
}

/**
 * ln ∫₀¹ q^(α−1)(1−q)^(β−1) dq by midpoint quadrature in log space (no lgamma).
 * Accurate for α, β ≥ 1 with `steps` points.
 */
function logBetaIntegral(alpha: number, beta: number, steps: number): number {
  const logTerms: number[] = new Array(steps)
  for (let i = 0; i < steps; i++) {
    const q = (i + 0.5) / steps
    logTerms[i] = (alpha - 1) * Math.log(q) + (beta - 1) * Math.log1p(-q)
  }
  return logSumExp(logTerms) - Math.log(steps)
}

/** log BF of a Beta(k·q₀, k(1−q₀)) mixture vs the point q₀, by quadrature (no lgamma). */
export function quadratureBetaMixtureLogBf(eB: number, eA: number, q0: number, k: number, steps = 200_000): number {
  const a = k * q0
  const b = k * (1 - q0)
  return (
    logBetaIntegral(a + eB, b + eA, steps) - logBetaIntegral(a, b, steps) - eB * Math.log(q0) - eA * Math.log1p(-q0)
  )
}
