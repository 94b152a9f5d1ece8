import { readFileSync, readdirSync } from 'node:fs';
import { configSchema, loadConfig, type Config } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { missingVariables, SERVICES, type ServiceName } from '../server/src/requirements.js';

/**
 * The container files, checked without running them (no image can be pulled here): every command is
 * a real package script, every variable is a key of the configuration (or the image's IRIS_SERVICE),
 * every port matches the configuration's defaults and the Services, and each service is given what
 * it cannot start without.
 */
const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const configKeys = new Set(Object.keys(configSchema.shape));
/** The one variable the image itself reads: which service a container runs. */
const IMAGE_VARIABLES = new Set(['IRIS_SERVICE']);
const defaults = configSchema.parse({});

const PORT_VARIABLE: Record<ServiceName, keyof Config> = {
  gateway: 'PORT',
  identity: 'IDENTITY_PORT',
  profiles: 'PROFILES_PORT',
  devices: 'DEVICES_PORT',
  analytics: 'ANALYTICS_PORT',
  worker: 'WORKER_PORT',
};
const URL_VARIABLE = { identity: 'IDENTITY_URL', profiles: 'PROFILES_URL', devices: 'DEVICES_URL', analytics: 'ANALYTICS_URL' } as const;
const defaultPort = (service: ServiceName) => defaults[PORT_VARIABLE[service]] as number;

/** `[pnpm, --silent, run, start:identity]` → `start:identity`. */
const scriptOf = (command: string[]) => {
  expect(command.slice(0, 1)).toEqual(['pnpm']);
  return command.filter((part) => !part.startsWith('-') && part !== 'pnpm' && part !== 'run')[0]!;
};

/** A value for each secret or placeholder, so the configuration can be parsed as a container would. */
const standIn = (key: string, value: string | number) =>
  typeof value === 'string' && value.startsWith('${')
    ? key.endsWith('_URL')
      ? 'http://placeholder:1'
      : 'a-stand-in-secret-of-32-characters'
    : String(value);

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in stages and runs as an unprivileged user with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(['root', '0']).not.toContain(users.at(-1));
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "deploy\/healthcheck.mjs"\]/m);
  });

  it('runs any service by its package script, chosen by SERVICE / IRIS_SERVICE', () => {
    expect(dockerfile).toMatch(/^CMD \["sh", "-c", "exec pnpm --silent run start:\$\{IRIS_SERVICE\}"\]/m);
    expect(dockerfile).toMatch(/IRIS_SERVICE=\$\{SERVICE\}/);
    expect(SERVICES).toContain(/^ARG SERVICE=(\w+)/m.exec(dockerfile)![1]);
    // Node's flags (a young generation sized for a server: docs/operations.md), then the service's entry.
    for (const service of SERVICES)
      expect(scripts[`start:${service}`]).toMatch(new RegExp(`^tsx (--[\\w-]+=\\S+ )*server/src/serve\\.ts ${service}$`));
  });

  it('sets only configuration variables, and exposes every service port', () => {
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)![1]!;
    const keys = [...env.matchAll(/(\w+)=/g)].map((m) => m[1]!);
    for (const key of keys) expect(configKeys.has(key) || IMAGE_VARIABLES.has(key) || key.startsWith('npm_config_'), key).toBe(true);
    const exposed = /^EXPOSE (.*)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number);
    for (const service of SERVICES) expect(exposed).toContain(defaultPort(service));
  });

  it('copies the manifest of every workspace package before installing from the lockfile', () => {
    const globs = (parse(read('pnpm-workspace.yaml')) as { packages: string[] }).packages;
    const packages = globs.flatMap((glob) =>
      glob.endsWith('/*')
        ? readdirSync(new URL(glob.slice(0, -1), root), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => `${glob.slice(0, -1)}${d.name}`)
        : [glob],
    );
    for (const folder of packages) {
      const hasManifest = readdirSync(new URL(`${folder}/`, root)).includes('package.json');
      if (hasManifest) expect(dockerfile).toContain(`COPY ${folder}/package.json ${folder}/`);
    }
  });

  it("checks each service's health on its own port, with the configuration's defaults", () => {
    const healthcheck = read('deploy/healthcheck.mjs');
    for (const service of SERVICES) expect(healthcheck).toContain(`${service}: ['${PORT_VARIABLE[service]}', ${defaultPort(service)}]`);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string | number>; ports?: string[] }>;
  };

  it('runs PostgreSQL, Redis, the gateway, the four subgraphs and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis', ...SERVICES].sort());
  });

  for (const service of SERVICES) {
    describe(service, () => {
      const definition = compose.services[service]!;
      const environment = definition.environment ?? {};

      it('runs its own package script', () => {
        expect(scriptOf(definition.command!)).toBe(`start:${service}`);
        expect(scripts[scriptOf(definition.command!)]).toBeDefined();
        expect(environment.IRIS_SERVICE).toBe(service);
      });

      it('sets only configuration variables, with the default port', () => {
        for (const key of Object.keys(environment)) expect(configKeys.has(key) || IMAGE_VARIABLES.has(key), key).toBe(true);
        expect(Number(environment[PORT_VARIABLE[service]])).toBe(defaultPort(service));
      });

      it('is given everything it cannot start without', () => {
        const config = loadConfig(Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, standIn(k, v)])));
        expect(missingVariables(service, config)).toEqual([]);
      });
    });
  }

  it("points the gateway at each subgraph's service name and port, and publishes only the gateway", () => {
    const environment = compose.services.gateway!.environment!;
    for (const [subgraph, variable] of Object.entries(URL_VARIABLE)) {
      expect(environment[variable]).toBe(`http://${subgraph}:${defaultPort(subgraph as ServiceName)}/graphql`);
    }
    expect(compose.services.gateway!.ports).toEqual([`${defaults.PORT}:${defaults.PORT}`]);
    for (const service of SERVICES.filter((s) => s !== 'gateway')) expect(compose.services[service]!.ports).toBeUndefined();
  });
});

describe('Kubernetes manifests (deploy/k8s)', () => {
  type Manifest = {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec?: any;
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  };
  const files = readdirSync(new URL('deploy/k8s/', root)).filter((f) => f.endsWith('.yaml'));
  const manifests: Manifest[] = files
    .flatMap((file) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((doc) => doc.toJS() as Manifest))
    .filter(Boolean);
  const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
  const configMap = find('ConfigMap', 'iris')!;
  const secret = find('Secret', 'iris')!;

  it('lists every manifest file in the kustomization', () => {
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect(kustomization.resources.sort()).toEqual(files.filter((f) => !['kustomization.yaml', 'secret.example.yaml'].includes(f)).sort());
  });

  it('shares only configuration variables through the ConfigMap and the Secret', () => {
    for (const key of [...Object.keys(configMap.data!), ...Object.keys(secret.stringData!)]) expect(configKeys.has(key), key).toBe(true);
  });

  for (const service of SERVICES) {
    describe(service, () => {
      const deployment = find('Deployment', service)!;
      const container = deployment?.spec.template.spec.containers[0];
      const env = Object.fromEntries((container?.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value])) as Record<
        string,
        string
      >;

      it('has a Deployment running its own package script, and a Service on its port', () => {
        expect(deployment).toBeDefined();
        expect(scripts[scriptOf(container.command)]).toBeDefined();
        expect(scriptOf(container.command)).toBe(`start:${service}`);
        expect(env.IRIS_SERVICE).toBe(service);
        const port = container.ports.find((p: { name: string }) => p.name === 'http').containerPort;
        expect(port).toBe(defaultPort(service));
        expect(Number(env[PORT_VARIABLE[service]])).toBe(port);
        const serviceManifest = find('Service', service)!;
        expect(serviceManifest.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
        expect(serviceManifest.spec.selector).toEqual(deployment.spec.selector.matchLabels);
        expect(deployment.spec.template.metadata.labels).toEqual(deployment.spec.selector.matchLabels);
      });

      it('is ready on /readyz and alive on /healthz, and keeps a pod through disruptions', () => {
        expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        const budget = find('PodDisruptionBudget', service)!;
        expect(budget.spec.minAvailable).toBeGreaterThanOrEqual(1);
        expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      });

      it('sets only configuration variables and is given everything it cannot start without', () => {
        for (const key of Object.keys(env)) expect(configKeys.has(key) || IMAGE_VARIABLES.has(key), key).toBe(true);
        expect(container.envFrom).toEqual([{ configMapRef: { name: 'iris' } }, { secretRef: { name: 'iris' } }]);
        const config = loadConfig({
          ...configMap.data,
          ...Object.fromEntries(
            Object.keys(secret.stringData!).map((k) => [
              k,
              k.endsWith('_URL') ? secret.stringData![k] : 'a-stand-in-secret-of-32-characters',
            ]),
          ),
          ...env,
        });
        expect(missingVariables(service, config)).toEqual([]);
      });
    });
  }

  it("points the gateway at each subgraph's Service", () => {
    const env = Object.fromEntries(
      find('Deployment', 'gateway')!.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    for (const [subgraph, variable] of Object.entries(URL_VARIABLE)) {
      const port = find('Service', subgraph)!.spec.ports[0].port;
      expect(env[variable]).toBe(`http://${subgraph}:${port}/graphql`);
    }
  });

  it('scales the gateway and the worker on CPU', () => {
    for (const name of ['gateway', 'worker']) {
      const autoscaler = find('HorizontalPodAutoscaler', name)!;
      expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(autoscaler.spec.maxReplicas).toBeGreaterThan(autoscaler.spec.minReplicas);
      expect(autoscaler.spec.metrics[0].resource.name).toBe('cpu');
    }
  });
});
