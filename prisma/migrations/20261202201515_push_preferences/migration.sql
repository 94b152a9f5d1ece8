-- CreateTable
CREATE TABLE "devices"."PushPreference" (
    "userId" UUID NOT NULL,
    "mutedTypes" "devices"."NotificationType"[],
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PushPreference_pkey" PRIMARY KEY ("userId")
);
