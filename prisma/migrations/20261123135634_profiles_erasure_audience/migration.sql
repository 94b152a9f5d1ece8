-- CreateEnum
CREATE TYPE "profiles"."ErasureScope" AS ENUM ('BY_APP', 'BY_OWNER');

-- CreateTable
CREATE TABLE "analytics"."AudienceMember" (
    "appId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "gender" TEXT NOT NULL,
    "maritalStatus" TEXT NOT NULL,
    "parentalStatus" TEXT NOT NULL,
    "age" TEXT NOT NULL,
    "country" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AudienceMember_pkey" PRIMARY KEY ("appId","deviceId")
);

-- CreateTable
CREATE TABLE "profiles"."Erasure" (
    "id" UUID NOT NULL,
    "scope" "profiles"."ErasureScope" NOT NULL,
    "deviceIdHash" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "appId" TEXT,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Erasure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "profiles"."ErasurePart" (
    "erasureId" UUID NOT NULL,
    "subgraph" TEXT NOT NULL,
    "removed" JSONB NOT NULL,
    "completedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasurePart_pkey" PRIMARY KEY ("erasureId","subgraph")
);

-- CreateIndex
CREATE INDEX "AudienceMember_accountId_deviceId_idx" ON "analytics"."AudienceMember"("accountId", "deviceId");

-- CreateIndex
CREATE INDEX "Erasure_deviceIdHash_idx" ON "profiles"."Erasure"("deviceIdHash");

-- CreateIndex
CREATE INDEX "Erasure_accountId_id_idx" ON "profiles"."Erasure"("accountId", "id");

-- AddForeignKey
ALTER TABLE "profiles"."ErasurePart" ADD CONSTRAINT "ErasurePart_erasureId_fkey" FOREIGN KEY ("erasureId") REFERENCES "profiles"."Erasure"("id") ON DELETE CASCADE ON UPDATE CASCADE;
