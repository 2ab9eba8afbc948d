CREATE TABLE `metric_minutes` (
	`model` text NOT NULL,
	`shard` integer NOT NULL,
	`minute` integer NOT NULL,
	`epoch` integer NOT NULL,
	`version` text NOT NULL,
	`arm` text NOT NULL,
	`segment` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`model`, `shard`, `minute`, `epoch`, `version`, `arm`, `segment`)
);
--> statement-breakpoint
CREATE INDEX `metric_minutes_model_minute` ON `metric_minutes` (`model`,`minute`);--> statement-breakpoint
CREATE TABLE `outcome_minutes` (
	`model` text NOT NULL,
	`shard` integer NOT NULL,
	`minute` integer NOT NULL,
	`epoch` integer NOT NULL,
	`version` text NOT NULL,
	`arm` text NOT NULL,
	`segment` text NOT NULL,
	`metric` text NOT NULL,
	`n` integer NOT NULL,
	`sum` real NOT NULL,
	`sum_sq` real NOT NULL,
	PRIMARY KEY(`model`, `shard`, `minute`, `epoch`, `version`, `arm`, `segment`, `metric`)
);
--> statement-breakpoint
CREATE INDEX `outcome_minutes_model_minute` ON `outcome_minutes` (`model`,`minute`);--> statement-breakpoint
CREATE TABLE `shadow_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`at` text NOT NULL,
	`request_hash` text NOT NULL,
	`version` text NOT NULL,
	`verdict` text NOT NULL,
	`champion_output` text,
	`shadow_output` text
);
--> statement-breakpoint
CREATE INDEX `shadow_samples_model_id` ON `shadow_samples` (`model`,`id`);--> statement-breakpoint
ALTER TABLE `models` ADD `metric_shards` integer DEFAULT 4 NOT NULL;