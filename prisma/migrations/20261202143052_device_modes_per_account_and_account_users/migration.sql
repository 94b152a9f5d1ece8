-- AlterTable
ALTER TABLE "devices"."DeviceMode" ADD COLUMN     "accountId" UUID;

-- CreateTable
CREATE TABLE "devices"."AccountUser" (
    "userId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountUser_pkey" PRIMARY KEY ("userId")
);

-- CreateIndex
CREATE UNIQUE INDEX "AccountUser_email_key" ON "devices"."AccountUser"("email");

-- CreateIndex
CREATE INDEX "AccountUser_accountId_idx" ON "devices"."AccountUser"("accountId");

-- CreateIndex
CREATE INDEX "DeviceMode_accountId_id_idx" ON "devices"."DeviceMode"("accountId", "id");

-- Backfill: the users that exist when devices starts keeping its projection (identity's events keep it
-- from here on). The one place devices' data is derived from identity's tables, once, at migration time.
INSERT INTO "devices"."AccountUser" ("userId", "accountId", "email")
SELECT "id", "accountId", lower("email") FROM "identity"."User"
ON CONFLICT DO NOTHING;
