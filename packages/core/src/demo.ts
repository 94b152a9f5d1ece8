/**
 * The demo tenant every subgraph seeds its part of on the embedded default (never in production).
 * The ids are fixed so the parts meet across subgraphs and a person can paste them into queries.
 */
export const DEMO = {
  password: 'iris-demo-password',
  account: { id: '0190a000-0000-7000-8000-000000000001', name: 'Iris Demo', email: 'demo@iris.dev' },
  mainUser: { id: '0190a000-0000-7000-8000-000000000011', email: 'demo@iris.dev', displayName: 'Demo Owner' },
  adminAccount: { id: '0190a000-0000-7000-8000-000000000002', name: 'Iris Operations', email: 'admin@iris.dev' },
  adminUser: { id: '0190a000-0000-7000-8000-000000000012', email: 'admin@iris.dev', displayName: 'Service Admin' },
  app: { id: 'demo-app', name: 'Iris Demo App' },
  deviceGroup: { id: '0190a000-0000-7000-8000-000000000101', name: 'Front office' },
  device: { id: '0190a000-0000-7000-8000-000000000201', name: 'Lobby camera', model: 'IRIS-CAM-2' },
} as const;
