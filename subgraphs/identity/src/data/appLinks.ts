import { paginate, type ConnectionArgs, type Sort } from '@iris/core';
import type { AccountModel, Prisma, ScopedClient, ScopedTransaction } from '@iris/db';

/** Account ids are UUIDv7: id order is the order accounts were created, so linked customers come oldest first. */
const linkedAccountsSort: Sort<AccountModel> = { name: 'account.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };

/**
 * The accounts added to apps (`addAccountToApp`): an app's customers beside its owner. The owner is
 * `App.accountId`; a link is one `AppAccountLink` row.
 */
export function createAppLinksData(prisma: ScopedClient<'identity'>) {
  return {
    linkedAccounts: (appId: string, args: ConnectionArgs) => {
      const linked: Prisma.AccountWhereInput = { appLinks: { some: { appId } } };
      return paginate(args, {
        sort: linkedAccountsSort,
        fetch: (page) => prisma.account.findMany({ ...page, where: page.where ? { AND: [linked, page.where] } : linked }),
        count: () => prisma.account.count({ where: linked }),
      });
    },

    isLinked: async (appId: string, accountId: string) => (await prisma.appAccountLink.count({ where: { appId, accountId } })) > 0,

    /** False when there was no such link. */
    unlink: async (appId: string, accountId: string, tx: ScopedTransaction<'identity'> = prisma) =>
      (await tx.appAccountLink.deleteMany({ where: { appId, accountId } })).count === 1,
  };
}

export type AppLinksData = ReturnType<typeof createAppLinksData>;
