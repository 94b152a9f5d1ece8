-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "analytics";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "devices";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "identity";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "profiles";

-- CreateEnum
CREATE TYPE "identity"."UserRole" AS ENUM ('MAIN', 'MEMBER', 'SERVICE_ADMIN');

-- CreateEnum
CREATE TYPE "identity"."AppPlatform" AS ENUM ('ANDROID', 'IOS', 'WINDOWS', 'HTML5');

-- CreateEnum
CREATE TYPE "identity"."AppKind" AS ENUM ('PURCHASED', 'TRIAL');

-- CreateTable
CREATE TABLE "analytics"."Action" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "note" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Action_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."DeviceGroup" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DeviceGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."Device" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "groupId" UUID,
    "name" TEXT NOT NULL,
    "model" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."Account" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "phone" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."User" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT,
    "passwordHash" TEXT NOT NULL,
    "role" "identity"."UserRole" NOT NULL DEFAULT 'MEMBER',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."App" (
    "id" TEXT NOT NULL,
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "platform" "identity"."AppPlatform" NOT NULL,
    "kind" "identity"."AppKind" NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "App_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "profiles"."Profile" (
    "id" BIGSERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "appId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "appUserId" TEXT,
    "gender" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "maritalStatus" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "parentalStatus" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "age" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "transportation" TEXT[],
    "pets" TEXT[],
    "sports" TEXT[],
    "country" TEXT,
    "city" TEXT,
    "holidayCountries" TEXT[],
    "holidayCities" TEXT[],
    "lifeEvents" TEXT[],
    "scannedImageCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Profile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Action_deviceId_id_idx" ON "analytics"."Action"("deviceId", "id");

-- CreateIndex
CREATE INDEX "DeviceGroup_accountId_id_idx" ON "devices"."DeviceGroup"("accountId", "id");

-- CreateIndex
CREATE INDEX "Device_accountId_id_idx" ON "devices"."Device"("accountId", "id");

-- CreateIndex
CREATE INDEX "Device_groupId_id_idx" ON "devices"."Device"("groupId", "id");

-- CreateIndex
CREATE INDEX "Account_createdAt_id_idx" ON "identity"."Account"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "identity"."User"("email");

-- CreateIndex
CREATE INDEX "User_accountId_id_idx" ON "identity"."User"("accountId", "id");

-- CreateIndex
CREATE INDEX "App_accountId_id_idx" ON "identity"."App"("accountId", "id");

-- CreateIndex
CREATE INDEX "Profile_appId_id_idx" ON "profiles"."Profile"("appId", "id");

-- CreateIndex
CREATE INDEX "Profile_accountId_appId_id_idx" ON "profiles"."Profile"("accountId", "appId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Profile_appId_deviceId_key" ON "profiles"."Profile"("appId", "deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "Profile_appId_appUserId_key" ON "profiles"."Profile"("appId", "appUserId");

-- AddForeignKey
ALTER TABLE "devices"."Device" ADD CONSTRAINT "Device_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "devices"."DeviceGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."User" ADD CONSTRAINT "User_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "identity"."Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."App" ADD CONSTRAINT "App_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "identity"."Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
