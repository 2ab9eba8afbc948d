CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`stream` text NOT NULL,
	`seq` integer NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`before` text,
	`after` text,
	`reason` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_stream_seq` ON `audit_log` (`stream`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `models` (
	`name` text PRIMARY KEY NOT NULL,
	`risk` text NOT NULL,
	`unit_header` text NOT NULL,
	`sla_p99_ms` real,
	`fallback_to_champion` integer NOT NULL,
	`champion` text,
	`epoch` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `routing_history` (
	`model` text NOT NULL,
	`epoch` integer NOT NULL,
	`snapshot` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`model`, `epoch`)
);
--> statement-breakpoint
CREATE TABLE `versions` (
	`model` text NOT NULL,
	`name` text NOT NULL,
	`backend` text NOT NULL,
	`registered_at` text NOT NULL,
	`first_exposed_epoch` integer,
	PRIMARY KEY(`model`, `name`)
);
