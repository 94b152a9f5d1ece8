-- AlterTable
ALTER TABLE "identity"."App" ADD COLUMN     "appKeyScopes" TEXT[] DEFAULT ARRAY['profiles:read', 'profiles:write', 'userdata:delete']::TEXT[],
ADD COLUMN     "previousKeyExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "previousKeyHash" TEXT;
