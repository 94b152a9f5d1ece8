export { openDatabase, STARTUP_TRANSACTION, type Database, type Db, type StatementCounter } from './database.js';
export { applyMigrations, readMigrations, MIGRATIONS_DIR, type Migration } from './migrate.js';
export { Prisma } from './generated/prisma/client.js';
export { modelColumns, uuidArray } from './sql.js';
export { scopedClient, modelSchemas, type ScopedClient, type ScopedTransaction, type ModelsOf } from './scopedClient.js';
export type * from './generated/prisma/models.js';
export type * from './generated/prisma/enums.js';
export { Outbox, handleOnce, onceByGroup, type EnqueueOptions, type OutboxOptions, type SqlClient } from './outbox.js';
