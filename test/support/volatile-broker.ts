// Test child: the real Broker over VolatileFileIO, so SIGKILL loses every unsynced write.
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config/load-config.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { VolatileFileIO } from '../../src/storage/io/volatile-file-io.js';

const io = new VolatileFileIO(new NodeFileIO());
const config = await loadBrokerConfig(process.argv[2]);
config.system.serverPort = Number(process.argv[3] ?? 0); // a restart keeps the port its clients use
const broker = await Broker.start({ config, io });
process.stderr.write(`metaq broker listening on ${broker.url}\n`);
process.once('SIGTERM', () => void broker.stop().then(() => process.exit(0)));
