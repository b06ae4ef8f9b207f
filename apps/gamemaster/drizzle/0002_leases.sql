ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "lease_token" text;--> statement-breakpoint
ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gamemaster"."runtime_records" ADD COLUMN "lease_trigger" text;--> statement-breakpoint
CREATE INDEX "runtime_records_lease_idx" ON "gamemaster"."runtime_records" USING btree ("lease_expires_at") WHERE "gamemaster"."runtime_records"."lease_token" is not null;