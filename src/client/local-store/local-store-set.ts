import { join } from 'node:path';
import { LocalMessageStore } from './local-message-store.js';

/** Named local message stores under one directory, each opened on first use. */
export class LocalStoreSet {
  private readonly stores = new Map<string, Promise<LocalMessageStore>>();

  constructor(private readonly dir: string) {}

  get(name: string): Promise<LocalMessageStore> {
    let store = this.stores.get(name);
    if (store === undefined) {
      store = LocalMessageStore.open(join(this.dir, name));
      this.stores.set(name, store);
    }
    return store;
  }

  /** Every store opened so far, with its name. */
  async all(): Promise<Array<[string, LocalMessageStore]>> {
    return Promise.all([...this.stores].map(async ([name, store]) => [name, await store] as [string, LocalMessageStore]));
  }

  /** Entries waiting per store. */
  async counts(): Promise<Map<string, number>> {
    return new Map((await this.all()).map(([name, store]) => [name, store.count]));
  }

  async close(): Promise<void> {
    await Promise.all((await this.all()).map(([, store]) => store.close()));
  }
}
