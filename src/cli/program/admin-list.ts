import { MetaqError } from '../../common/errors.js';
import type { BrokerToken } from '../broker-token.js';
import { discoverAdmins } from '../cluster-admins.js';
import { adminKey } from '../profile/profile-store.js';
import { listValues } from './option-values.js';
import type { AdminListOptionValues } from './shared-options.js';
import { brokerTokens } from './shared-options.js';

/** The brokers a cluster-wide command reads, and each one's token. */
export interface AdminList {
  brokers: string[];
  token: BrokerToken;
}

/**
 * `--admin` and `--token` as given, or with `--zk` every admin URL registered in ZooKeeper and a
 * token for each: --token (or METAQ_TOKEN) first, then a profile's token for that URL, then the
 * cluster's. --admin on the command line or in METAQ_ADMIN together with --zk is ambiguous and refused.
 */
export async function adminList(values: AdminListOptionValues): Promise<AdminList> {
  if (values.zk === undefined) {
    const brokers = listValues(values.admin);
    return { brokers, token: brokerTokens(values, brokers) };
  }
  if (values.adminGiven === true)
    throw new MetaqError('USAGE', '--admin and --zk both name the brokers: give --admin URL for each broker, or --zk to find them all, not both');
  const found = await discoverAdmins(values.zk, values.root);
  const tokens = new Map<string, string>();
  for (const url of found.urls) {
    const token = values.token ?? values.profileTokens?.get(adminKey(url)) ?? found.token;
    if (token === undefined || token === '')
      throw new MetaqError(
        'USAGE',
        `ZooKeeper ${values.zk} holds no cluster admin token (the brokers use their own [http] token or tokenFile): give --token T, or set METAQ_TOKEN`,
      );
    tokens.set(url, token);
  }
  return { brokers: found.urls, token: (url) => tokens.get(url) ?? found.token ?? '' };
}
