-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "outbox";

-- CreateTable
CREATE TABLE "outbox"."OutboxEvent" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedUntil" TIMESTAMPTZ(3),
    "lastError" TEXT,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox"."ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" UUID NOT NULL,
    "processedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateIndex
CREATE UNIQUE INDEX "OutboxEvent_seq_key" ON "outbox"."OutboxEvent"("seq");

-- CreateIndex
CREATE INDEX "OutboxEvent_source_seq_idx" ON "outbox"."OutboxEvent"("source", "seq");

-- CreateIndex
CREATE INDEX "ProcessedEvent_processedAt_idx" ON "outbox"."ProcessedEvent"("processedAt");
