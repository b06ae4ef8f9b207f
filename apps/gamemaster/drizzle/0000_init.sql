-- IF NOT EXISTS: the drizzle migrator creates this schema first to hold its own
-- migrations table (migrationsSchema "gamemaster"), so a plain CREATE would fail.
CREATE SCHEMA IF NOT EXISTS "gamemaster";
--> statement-breakpoint
CREATE TABLE "gamemaster"."engine_versions" (
	"version" text PRIMARY KEY NOT NULL,
	"image_ref" text NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "engine_versions_status_check" CHECK ("gamemaster"."engine_versions"."status" in ('active', 'deprecated'))
);
--> statement-breakpoint
CREATE TABLE "gamemaster"."operation_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"op_kind" text NOT NULL,
	"op_source" text NOT NULL,
	"source_ref" text DEFAULT '' NOT NULL,
	"outcome" text NOT NULL,
	"error_code" text DEFAULT '' NOT NULL,
	"error_message" text DEFAULT '' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	CONSTRAINT "operation_log_outcome_check" CHECK ("gamemaster"."operation_log"."outcome" in ('success', 'failure'))
);
--> statement-breakpoint
CREATE TABLE "gamemaster"."player_mappings" (
	"game_id" text NOT NULL,
	"user_id" text NOT NULL,
	"race_name" text NOT NULL,
	"engine_player_uuid" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "player_mappings_pkey" PRIMARY KEY("game_id","user_id"),
	CONSTRAINT "player_mappings_game_race_key" UNIQUE("game_id","race_name")
);
--> statement-breakpoint
CREATE TABLE "gamemaster"."runtime_records" (
	"game_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"engine_endpoint" text NOT NULL,
	"current_image_ref" text NOT NULL,
	"current_engine_version" text NOT NULL,
	"turn_schedule" text NOT NULL,
	"current_turn" integer DEFAULT 0 NOT NULL,
	"next_generation_at" timestamp with time zone,
	"skip_next_tick" boolean DEFAULT false NOT NULL,
	"engine_health" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "runtime_records_status_check" CHECK ("gamemaster"."runtime_records"."status" in ('starting', 'running', 'generation_in_progress', 'generation_failed', 'stopped', 'engine_unreachable', 'finished')),
	CONSTRAINT "runtime_records_current_turn_check" CHECK ("gamemaster"."runtime_records"."current_turn" >= 0)
);
--> statement-breakpoint
ALTER TABLE "gamemaster"."player_mappings" ADD CONSTRAINT "player_mappings_game_id_runtime_records_game_id_fk" FOREIGN KEY ("game_id") REFERENCES "gamemaster"."runtime_records"("game_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operation_log_game_idx" ON "gamemaster"."operation_log" USING btree ("game_id","id");--> statement-breakpoint
CREATE INDEX "runtime_records_due_idx" ON "gamemaster"."runtime_records" USING btree ("status","next_generation_at");--> statement-breakpoint
CREATE INDEX "runtime_records_engine_version_idx" ON "gamemaster"."runtime_records" USING btree ("current_engine_version");