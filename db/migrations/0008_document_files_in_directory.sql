ALTER TABLE "document_files" ALTER COLUMN "bytes" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "document_files" ADD COLUMN "file_sha256" text;--> statement-breakpoint
CREATE INDEX "document_files_file_idx" ON "document_files" USING btree ("file_sha256") WHERE "document_files"."file_sha256" is not null;--> statement-breakpoint
ALTER TABLE "document_files" ADD CONSTRAINT "document_files_held" CHECK ("document_files"."bytes" is not null or "document_files"."file_sha256" is not null);