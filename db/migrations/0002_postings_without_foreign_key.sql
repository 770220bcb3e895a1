ALTER TABLE "lex_postings" DROP CONSTRAINT "lex_postings_chunk_id_chunks_id_fk";
