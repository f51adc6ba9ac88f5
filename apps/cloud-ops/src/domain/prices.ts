/**
 * On-demand hourly list prices, Linux, US East (N. Virginia), in millionths of a US dollar per
 * hour (t3.micro at $0.0104/h is 10_400): integers, so sums and limits never round.
 *
 * Source: the AWS "Amazon EC2 On-Demand Pricing" page (aws.amazon.com/ec2/pricing/on-demand/),
 * region us-east-1, operating system Linux, as published in June 2024. Prices in other regions
 * differ by a few percent; estimates name this table and its date so nobody mistakes them for a bill.
 */
export const PRICE_TABLE = {
  source: 'AWS EC2 On-Demand Pricing, us-east-1, Linux',
  asOf: '2024-06-01',
  currency: 'USD',
} as const;

const HOURLY_MICRO_USD: Readonly<Record<string, number>> = {
  // Burstable, current generation
  't3.nano': 5_200,
  't3.micro': 10_400,
  't3.small': 20_800,
  't3.medium': 41_600,
  't3.large': 83_200,
  't3.xlarge': 166_400,
  't3a.micro': 9_400,
  't3a.small': 18_800,
  't3a.medium': 37_600,
  't3a.large': 75_200,
  't4g.nano': 4_200,
  't4g.micro': 8_400,
  't4g.small': 16_800,
  't4g.medium': 33_600,
  't4g.large': 67_200,
  // General purpose
  'm5.large': 96_000,
  'm5.xlarge': 192_000,
  'm5.2xlarge': 384_000,
  'm6i.large': 96_000,
  'm6i.xlarge': 192_000,
  'm6g.large': 77_000,
  'm7g.large': 81_600,
  'm7i.large': 100_800,
  // Compute optimised
  'c5.large': 85_000,
  'c5.xlarge': 170_000,
  'c6i.large': 85_000,
  'c6g.large': 68_000,
  'c7g.large': 72_500,
  // Memory optimised
  'r5.large': 126_000,
  'r5.xlarge': 252_000,
  'r6i.large': 126_000,
  'r6g.large': 100_800,
  // Previous generation (still launchable in many accounts)
  't2.nano': 5_800,
  't2.micro': 11_600,
  't2.small': 23_000,
  't2.medium': 46_400,
  't2.large': 92_800,
  'm4.large': 100_000,
  'm4.xlarge': 200_000,
  'c4.large': 100_000,
  'c4.xlarge': 199_000,
  'r4.large': 133_000,
  'm3.medium': 67_000,
};

/** Hours in the month used for monthly estimates: 730 = 365 × 24 / 12, as AWS's own calculator uses. */
export const HOURS_PER_MONTH = 730;

/** Hourly price of one instance of `type` in micro-USD, or undefined when the table does not list it. */
export function hourlyMicroUsd(type: string): number | undefined {
  return Object.hasOwn(HOURLY_MICRO_USD, type) ? HOURLY_MICRO_USD[type] : undefined;
}

/** Every instance type the table prices. */
export function pricedTypes(): string[] {
  return Object.keys(HOURLY_MICRO_USD);
}

/** `$1.2345`: micro-USD as dollars with four decimals (sub-cent hourly prices stay visible). */
export function formatMicroUsd(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(Math.round(micro));
  const dollars = Math.floor(abs / 1_000_000);
  const fraction = String(Math.round((abs % 1_000_000) / 100)).padStart(4, '0');
  return `${sign}$${dollars}.${fraction}`;
}

/** Parses `"2.50"` (US dollars, up to six decimals) into micro-USD. */
export function parseUsd(text: string): number {
  const match = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not an amount in US dollars such as 2.50`);
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}
