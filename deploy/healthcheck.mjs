// The container health check: GET /healthz on the port of the service this container runs
// (IRIS_SERVICE), with the same port variables and defaults as the configuration.
const ports = {
  gateway: ['PORT', 4000],
  identity: ['IDENTITY_PORT', 4001],
  profiles: ['PROFILES_PORT', 4002],
  devices: ['DEVICES_PORT', 4003],
  analytics: ['ANALYTICS_PORT', 4004],
  worker: ['WORKER_PORT', 4005],
};
const [variable, fallback] = ports[process.env.IRIS_SERVICE ?? 'gateway'] ?? ports.gateway;
const port = process.env[variable] || fallback;
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4_000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
