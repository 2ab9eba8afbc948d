CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`rollout_id` text,
	`at` text NOT NULL,
	`trigger` text NOT NULL,
	`actor` text NOT NULL,
	`summary` text NOT NULL,
	`impact` text,
	`confirmation` text,
	`retrospective` text,
	`open_action_items` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `incidents_model` ON `incidents` (`model`,`at`);--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`challenger` text NOT NULL,
	`champion` text NOT NULL,
	`strategies` text NOT NULL,
	`phase` text NOT NULL,
	`step_index` integer NOT NULL,
	`outcome` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`ended_at` text,
	`last_verdict` text
);
--> statement-breakpoint
CREATE INDEX `rollouts_model` ON `rollouts` (`model`,`created_at`);--> statement-breakpoint
CREATE INDEX `rollouts_active` ON `rollouts` (`ended_at`);--> statement-breakpoint
CREATE TABLE `verdicts` (
	`id` text PRIMARY KEY NOT NULL,
	`rollout_id` text NOT NULL,
	`model` text NOT NULL,
	`step_index` integer NOT NULL,
	`step_epoch` integer,
	`at` text NOT NULL,
	`decision` text NOT NULL,
	`decisive` integer NOT NULL,
	`reason` text NOT NULL,
	`metrics` text NOT NULL,
	`srm` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `verdicts_rollout` ON `verdicts` (`rollout_id`,`at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text NOT NULL,
	`attempt` integer NOT NULL,
	`webhook_id` text NOT NULL,
	`model` text NOT NULL,
	`event` text NOT NULL,
	`format` text NOT NULL,
	`at` text NOT NULL,
	`status` text NOT NULL,
	`response_code` integer,
	`error` text,
	PRIMARY KEY(`id`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_model` ON `webhook_deliveries` (`model`,`at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`url` text NOT NULL,
	`format` text NOT NULL,
	`events` text NOT NULL,
	`routing_key` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_model` ON `webhooks` (`model`);