-- CreateTable
CREATE TABLE "profiles"."AppAccount" (
    "appId" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AppAccount_pkey" PRIMARY KEY ("appId","accountId")
);

-- Backfill: each app's owner and the accounts added to it when profiles starts keeping its projection
-- (identity's events keep it from here on). The one place profiles' data is derived from identity's
-- tables, once, at migration time.
INSERT INTO "profiles"."AppAccount" ("appId", "accountId")
SELECT "id", "accountId" FROM "identity"."App"
UNION
SELECT "appId", "accountId" FROM "identity"."AppAccountLink"
ON CONFLICT DO NOTHING;
