-- AlterTable
ALTER TABLE "identity"."RefreshToken" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "identity"."AuthorizationCode" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];
