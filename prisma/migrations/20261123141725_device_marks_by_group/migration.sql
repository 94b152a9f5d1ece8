-- CreateIndex
CREATE INDEX "DeviceMark_accountId_groupId_createdAt_id_idx" ON "devices"."DeviceMark"("accountId", "groupId", "createdAt", "id");
