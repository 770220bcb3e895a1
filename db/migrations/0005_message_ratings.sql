CREATE TABLE "message_ratings" (
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"value" "feedback" NOT NULL,
	"comment" text,
	"rated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_ratings_message_id_user_id_pk" PRIMARY KEY("message_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "shown_in_channel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "message_ratings" ADD CONSTRAINT "message_ratings_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_ratings" ADD CONSTRAINT "message_ratings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_ratings_value_idx" ON "message_ratings" USING btree ("value");--> statement-breakpoint
-- The askers' ratings given before this table: each is that person's one rating of their answer.
INSERT INTO "message_ratings" ("message_id", "user_id", "value", "comment", "rated_at") SELECT "id", "user_id", "feedback", "feedback_comment", coalesce("feedback_at", "created_at") FROM "messages" WHERE "feedback" IS NOT NULL AND "user_id" IS NOT NULL ON CONFLICT DO NOTHING;
