-- CreateEnum
CREATE TYPE "analytics"."AnalysisJobStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'DEAD');

-- CreateTable
CREATE TABLE "analytics"."FaceAnalysis" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "deviceId" UUID,
    "dataId" UUID,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "models" JSONB NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "faces" JSONB NOT NULL,
    "faceCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FaceAnalysis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics"."AnalysisJob" (
    "id" UUID NOT NULL,
    "dataId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "storageKey" TEXT NOT NULL,
    "status" "analytics"."AnalysisJobStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "analysisId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AnalysisJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics"."MarkStat" (
    "accountId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "modeId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "MarkStat_pkey" PRIMARY KEY ("deviceId","modeId","hour")
);

-- CreateIndex
CREATE UNIQUE INDEX "FaceAnalysis_dataId_key" ON "analytics"."FaceAnalysis"("dataId");

-- CreateIndex
CREATE INDEX "FaceAnalysis_accountId_id_idx" ON "analytics"."FaceAnalysis"("accountId", "id");

-- CreateIndex
CREATE INDEX "FaceAnalysis_deviceId_id_idx" ON "analytics"."FaceAnalysis"("deviceId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "AnalysisJob_dataId_key" ON "analytics"."AnalysisJob"("dataId");

-- CreateIndex
CREATE INDEX "AnalysisJob_accountId_id_idx" ON "analytics"."AnalysisJob"("accountId", "id");

-- CreateIndex
CREATE INDEX "AnalysisJob_status_id_idx" ON "analytics"."AnalysisJob"("status", "id");

-- CreateIndex
CREATE INDEX "MarkStat_accountId_hour_idx" ON "analytics"."MarkStat"("accountId", "hour");
