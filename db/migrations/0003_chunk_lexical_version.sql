ALTER TABLE "chunks" ADD COLUMN "lexical_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "chunks_lexical_version_idx" ON "chunks" USING btree ("lexical_version");