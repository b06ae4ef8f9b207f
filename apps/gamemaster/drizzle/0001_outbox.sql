CREATE TABLE "gamemaster"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"stream" text NOT NULL,
	"event_id" text NOT NULL,
	"game_id" text NOT NULL,
	"event_type" text NOT NULL,
	"fields" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_event_id_key" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "gamemaster"."stream_offsets" (
	"label" text PRIMARY KEY NOT NULL,
	"last_id" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "last_player_stats" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "last_health_event_id" text DEFAULT '' NOT NULL;