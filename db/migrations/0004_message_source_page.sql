ALTER TABLE "message_sources" ADD COLUMN "page" integer;--> statement-breakpoint
-- Answers stored before this column cite chunks whose page is still known while that version is indexed.
UPDATE "message_sources" AS ms SET "page" = c."page" FROM "chunks" AS c WHERE c."id" = ms."chunk_id" AND c."document_version" = ms."document_version" AND c."page" IS NOT NULL;
