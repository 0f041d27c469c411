import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advertisedAdminUrl } from '../../src/admin/admin-url-registration.js';

// The admin URL a broker registers for `metaq lag --zk` and the like (docs/cluster.md, Operating several brokers).
describe('the advertised admin URL', () => {
  it('is [http] host when set, else hostName; a wildcard listen address gives hostName', () => {
    assert.equal(advertisedAdminUrl('10.0.0.1', '', 8120, false), 'http://10.0.0.1:8120');
    assert.equal(advertisedAdminUrl('10.0.0.1', '192.168.1.5', 8120, false), 'http://192.168.1.5:8120');
    assert.equal(advertisedAdminUrl('broker-1.example.com', '0.0.0.0', 8443, true), 'https://broker-1.example.com:8443');
    assert.equal(advertisedAdminUrl('fd00::1', '::', 8120, false), 'http://[fd00::1]:8120');
    assert.equal(advertisedAdminUrl('10.0.0.1', '[fd00::2]', 8120, false), 'http://[fd00::2]:8120');
  });
});
