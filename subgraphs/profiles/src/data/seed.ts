import { DEMO } from '@iris/core';
import { STARTUP_TRANSACTION, type Outbox, type ScopedClient } from '@iris/db';

// The three example profiles of the profiles API document, for the demo app.
const examples = [
  {
    deviceId: 'c1c9a326-4ae8-4a55-aa0b-434f62a126a7',
    gender: 'MALE',
    maritalStatus: 'SINGLE',
    parentalStatus: 'WITHOUT_CHILDREN',
    age: 'UNDER_25',
    transportation: ['CAR'],
    pets: ['DOG'],
    sports: ['ACTIVE', 'VIEWER'],
    country: 'KR',
    city: 'Gwacheon',
    holidayCountries: ['IT', 'FR'],
    holidayCities: ['Rome', 'Paris'],
    lifeEvents: ['ABOUT_TO_HAVE_A_BABY', 'ABOUT_TO_MOVE_HOME'],
    scannedImageCount: 2907,
  },
  {
    deviceId: 'f533f730-1caa-42c1-9d6b-19214e692aa2',
    gender: 'FEMALE',
    maritalStatus: 'IN_A_RELATIONSHIP',
    parentalStatus: 'WITH_CHILDREN',
    age: 'FROM_35_TO_45',
    transportation: ['CAR'],
    country: 'IL',
    city: 'Tel Aviv',
    holidayCountries: ['GB'],
    holidayCities: ['London'],
    lifeEvents: ['ABOUT_TO_TRAVEL'],
    scannedImageCount: 512,
  },
  {
    deviceId: 'g576f730-1caa-42c1-9a6b-19214e692uu4',
    parentalStatus: 'WITH_CHILDREN',
    country: 'IL',
    city: 'Tel Aviv',
    scannedImageCount: 40,
  },
];

/** Seeds the examples and announces them as the SDK's posts would be, so analytics counts them too. */
export async function seedProfiles(prisma: ScopedClient<'profiles'>, outbox: Outbox): Promise<void> {
  // identity seeds the demo app without events: its owner's link is seeded here, as identity's would be.
  await prisma.appAccount.upsert({
    where: { appId_accountId: { appId: DEMO.app.id, accountId: DEMO.account.id } },
    update: {},
    create: { appId: DEMO.app.id, accountId: DEMO.account.id },
  });
  for (const example of examples) {
    await prisma.$transaction(async (tx) => {
      const p = await tx.profile.upsert({
        where: { appId_deviceId: { appId: DEMO.app.id, deviceId: example.deviceId } },
        update: {},
        create: { ...example, appId: DEMO.app.id, accountId: DEMO.account.id },
      });
      const { appId, accountId, deviceId, gender, maritalStatus, parentalStatus, age, country } = p;
      await outbox.enqueue(tx, 'profile.upserted', { appId, accountId, deviceId, gender, maritalStatus, parentalStatus, age, country });
    }, STARTUP_TRANSACTION);
  }
}
