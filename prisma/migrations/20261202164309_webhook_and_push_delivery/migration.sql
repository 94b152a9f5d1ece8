-- CreateEnum
CREATE TYPE "devices"."PushPlatform" AS ENUM ('FCM', 'APNS');

-- CreateEnum
CREATE TYPE "devices"."DeliveryChannel" AS ENUM ('WEBHOOK', 'PUSH');

-- CreateEnum
CREATE TYPE "devices"."DeliveryStatus" AS ENUM ('PENDING', 'FAILED', 'SUCCEEDED', 'DEAD', 'SKIPPED');

-- CreateTable
CREATE TABLE "devices"."WebhookEndpoint" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "eventTypes" "devices"."NotificationType"[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."PushRegistration" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "platform" "devices"."PushPlatform" NOT NULL,
    "token" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PushRegistration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."NotificationDelivery" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "channel" "devices"."DeliveryChannel" NOT NULL,
    "endpointId" UUID,
    "pushRegistrationId" UUID,
    "notificationId" UUID,
    "eventType" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "devices"."DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NotificationDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices"."NotificationDeliveryAttempt" (
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "statusCode" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationDeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookEndpoint_accountId_id_idx" ON "devices"."WebhookEndpoint"("accountId", "id");

-- CreateIndex
CREATE INDEX "PushRegistration_accountId_idx" ON "devices"."PushRegistration"("accountId");

-- CreateIndex
CREATE INDEX "PushRegistration_userId_idx" ON "devices"."PushRegistration"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "PushRegistration_platform_token_key" ON "devices"."PushRegistration"("platform", "token");

-- CreateIndex
CREATE INDEX "NotificationDelivery_status_nextAttemptAt_idx" ON "devices"."NotificationDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "NotificationDelivery_endpointId_id_idx" ON "devices"."NotificationDelivery"("endpointId", "id");

-- CreateIndex
CREATE INDEX "NotificationDelivery_accountId_id_idx" ON "devices"."NotificationDelivery"("accountId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationDelivery_notificationId_endpointId_key" ON "devices"."NotificationDelivery"("notificationId", "endpointId");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationDelivery_notificationId_pushRegistrationId_key" ON "devices"."NotificationDelivery"("notificationId", "pushRegistrationId");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationDeliveryAttempt_deliveryId_number_key" ON "devices"."NotificationDeliveryAttempt"("deliveryId", "number");

-- AddForeignKey
ALTER TABLE "devices"."NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "devices"."WebhookEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_pushRegistrationId_fkey" FOREIGN KEY ("pushRegistrationId") REFERENCES "devices"."PushRegistration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices"."NotificationDeliveryAttempt" ADD CONSTRAINT "NotificationDeliveryAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "devices"."NotificationDelivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;
