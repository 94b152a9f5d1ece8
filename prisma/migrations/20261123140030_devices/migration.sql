-- CreateEnum
CREATE TYPE "devices"."DeviceStatus" AS ENUM ('ONLINE', 'OFFLINE', 'ERROR');

-- CreateEnum
CREATE TYPE "devices"."AnalysisStatus" AS ENUM ('PENDING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "devices"."NotificationType" AS ENUM ('MARK_CREATED', 'DEVICE_ERROR', 'DEVICE_STATUS_CHANGED', 'ANNOUNCEMENT');

-- AlterTable
ALTER TABLE "devices"."Device" ADD COLUMN     "attributes" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "lastSeenAt" TIMESTAMPTZ(3),
ADD COLUMN     "modeId" UUID,
ADD COLUMN     "status" "devices"."DeviceStatus" NOT NULL DEFAULT 'OFFLINE',
ADD COLUMN     "statusReason" TEXT;

-- CreateTable
CREATE TABLE "devices"."DeviceGroupShare" (
    "groupId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceGroupShare_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateTable
CREATE TABLE "devices"."DeviceShare" (
    "deviceId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceShare_pkey" PRIMARY KEY ("deviceId","userId")
);

-- CreateTable
CREATE TABLE "devices"."Zone" (
    "id" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "polygon" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Zone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."DeviceMode" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "minFaces" INTEGER NOT NULL DEFAULT 1,
    "minScore" DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    "expressions" TEXT[],
    "eyesOpen" BOOLEAN NOT NULL DEFAULT false,
    "zoneNames" TEXT[],
    "timeWindows" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DeviceMode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."DeviceData" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "storageKey" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "width" INTEGER,
    "height" INTEGER,
    "analysisStatus" "devices"."AnalysisStatus" NOT NULL DEFAULT 'PENDING',
    "analysisError" TEXT,
    "capturedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DeviceData_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."DeviceMark" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "groupId" UUID,
    "modeId" UUID,
    "dataId" UUID,
    "analysisId" UUID,
    "faceCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMPTZ(3),
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DeviceMark_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."Notification" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "type" "devices"."NotificationType" NOT NULL,
    "deviceId" UUID,
    "markId" UUID,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."AccountRetention" (
    "accountId" UUID NOT NULL,
    "retentionDays" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AccountRetention_pkey" PRIMARY KEY ("accountId")
);

-- CreateIndex
CREATE INDEX "DeviceGroupShare_userId_idx" ON "devices"."DeviceGroupShare"("userId");

-- CreateIndex
CREATE INDEX "DeviceShare_userId_idx" ON "devices"."DeviceShare"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Zone_deviceId_name_key" ON "devices"."Zone"("deviceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "DeviceData_storageKey_key" ON "devices"."DeviceData"("storageKey");

-- CreateIndex
CREATE INDEX "DeviceData_accountId_createdAt_idx" ON "devices"."DeviceData"("accountId", "createdAt");

-- CreateIndex
CREATE INDEX "DeviceData_deviceId_id_idx" ON "devices"."DeviceData"("deviceId", "id");

-- CreateIndex
CREATE INDEX "DeviceMark_accountId_createdAt_id_idx" ON "devices"."DeviceMark"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "DeviceMark_accountId_deviceId_createdAt_id_idx" ON "devices"."DeviceMark"("accountId", "deviceId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "DeviceMark_deviceId_createdAt_id_idx" ON "devices"."DeviceMark"("deviceId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "DeviceMark_accountId_readAt_idx" ON "devices"."DeviceMark"("accountId", "readAt");

-- CreateIndex
CREATE INDEX "Notification_accountId_id_idx" ON "devices"."Notification"("accountId", "id");

-- CreateIndex
CREATE INDEX "Notification_accountId_sentAt_createdAt_idx" ON "devices"."Notification"("accountId", "sentAt", "createdAt");

-- AddForeignKey
ALTER TABLE "devices"."DeviceGroupShare" ADD CONSTRAINT "DeviceGroupShare_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "devices"."DeviceGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."Device" ADD CONSTRAINT "Device_modeId_fkey" FOREIGN KEY ("modeId") REFERENCES "devices"."DeviceMode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."DeviceShare" ADD CONSTRAINT "DeviceShare_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"."Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."Zone" ADD CONSTRAINT "Zone_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"."Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."DeviceData" ADD CONSTRAINT "DeviceData_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"."Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."DeviceMark" ADD CONSTRAINT "DeviceMark_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"."Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."DeviceMark" ADD CONSTRAINT "DeviceMark_modeId_fkey" FOREIGN KEY ("modeId") REFERENCES "devices"."DeviceMode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."DeviceMark" ADD CONSTRAINT "DeviceMark_dataId_fkey" FOREIGN KEY ("dataId") REFERENCES "devices"."DeviceData"("id") ON DELETE SET NULL ON UPDATE CASCADE;
