ALTER TABLE `metric_minutes` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `outcome_minutes` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Samples exported twice by overlapping rollups before this index existed: keep the first copy.
DELETE FROM `shadow_samples` WHERE `id` NOT IN (SELECT min(`id`) FROM `shadow_samples` GROUP BY `model`, `request_hash`, `version`);--> statement-breakpoint
CREATE UNIQUE INDEX `shadow_samples_request` ON `shadow_samples` (`model`,`request_hash`,`version`);