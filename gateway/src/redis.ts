import type { Config, Logger } from '@iris/core';
import { Redis } from 'ioredis';

/**
 * One Redis connection for the gateway's shared state (rate limit counters, APQ documents), when
 * REDIS_URL is set. It never queues commands while disconnected, so an outage falls back at once
 * instead of stalling requests.
 */
export function connectGatewayRedis(config: Pick<Config, 'REDIS_URL'>, logger: Logger): Redis | undefined {
  if (!config.REDIS_URL) return undefined;
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis unavailable: rate limits count in memory, APQ misses'));
  return redis;
}
