// The demo sign-ins booking seeds when [demo] enabled = true (see
// docs/booking.md). One place to change if the seed changes.
export const DEMO = {
  family: { username: 'family', password: 'parlour-demo' },
  prisoner: { username: 'prisoner', password: 'parlour-demo' },
  staff: { username: 'staff', password: 'parlour-demo' },
  monitor: { username: 'monitor', password: 'parlour-demo' },
  officer: { username: 'officer', password: 'parlour-demo' },
  probationer: { username: 'probationer', password: 'parlour-demo' },
  clinician: { username: 'clinician', password: 'parlour-demo' },
  legal: { username: 'legal', password: 'parlour-demo' },
};
