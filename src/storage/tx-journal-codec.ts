import protobuf from 'protobufjs';

/**
 * MetaQ's transaction journal records (docs/transactions.md): `int32 L`, L bytes of a protobuf `TxCommand`, and
 * for commits an attachment naming where each partition's batch went. The schema is MetaQ's
 * TransactionCommands.proto (proto2), so a journal left by a Java broker replays here.
 */
const schema = protobuf.Root.fromJSON({
  nested: {
    TxCommandType: { values: { APPEND_MSG: 1, TX_OP: 2 } },
    TxCommand: {
      fields: {
        cmdType: { type: 'TxCommandType', id: 1, rule: 'required' },
        cmdContent: { type: 'bytes', id: 2, rule: 'required' },
        force: { type: 'bool', id: 3, options: { default: false } },
      },
    },
    AppendMessageCommand: {
      fields: {
        messageId: { type: 'int64', id: 1, rule: 'required' },
        putCommand: { type: 'bytes', id: 2, rule: 'required' },
      },
    },
    TransactionType: { values: { XA_PREPARE: 1, XA_COMMIT: 2, XA_ROLLBACK: 3, LOCAL_COMMIT: 4, LOCAL_ROLLBACK: 5 } },
    TransactionOperation: {
      fields: {
        type: { type: 'TransactionType', id: 1, rule: 'required' },
        wasPrepared: { type: 'bool', id: 2, rule: 'required' },
        transactionId: { type: 'string', id: 3, rule: 'required' },
        dataLength: { type: 'int32', id: 4 },
        // metaq's addition, on XA_PREPARE: the user the transaction belongs to. A field number
        // far from MetaQ's, so a Java broker skips it and older journals read as "no owner".
        owner: { type: 'string', id: 100 },
      },
    },
  },
});
const TxCommand = schema.lookupType('TxCommand');
const AppendMessageCommand = schema.lookupType('AppendMessageCommand');
const TransactionOperation = schema.lookupType('TransactionOperation');

const APPEND_MSG = 1;
const TX_OP = 2;
export const TxOperationTypes = ['XA_PREPARE', 'XA_COMMIT', 'XA_ROLLBACK', 'LOCAL_COMMIT', 'LOCAL_ROLLBACK'] as const;
export type TxOperationType = (typeof TxOperationTypes)[number];

/**
 * Where a committed transaction's messages for one partition went: the batch's first byte, its
 * length and `CRC32(batch) & 0x7FFFFFFF`. MetaQ writes the exact offset; metaq writes the commit
 * before appending, so a negative offset `-(n + 1)` means "not placed yet, at or after n" until
 * the exact offset is written over it in place.
 */
export interface BatchLocation {
  offset: number;
  length: number;
  checksum: number;
  /** `topic-partition` */
  partition: string;
}

export type JournalRecord =
  | { kind: 'append'; messageId: bigint; putFrame: Buffer; force: boolean }
  | { kind: 'operation'; type: TxOperationType; wasPrepared: boolean; txKey: string; locations: BatchLocation[]; force: boolean; owner?: string | undefined };

const LOCATION_FIXED_BYTES = 8 + 4 + 4 + 4;

export function encodeLocations(locations: readonly BatchLocation[]): Buffer {
  const parts = locations.map((location) => {
    const description = Buffer.from(location.partition, 'utf8'); // bytes, not characters: MetaQ's bug with non-ASCII names fixed
    const entry = Buffer.allocUnsafe(LOCATION_FIXED_BYTES + description.length);
    entry.writeBigInt64BE(BigInt(location.offset), 0);
    entry.writeInt32BE(location.length, 8);
    entry.writeInt32BE(location.checksum, 12);
    entry.writeInt32BE(description.length, 16);
    description.copy(entry, 20);
    return entry;
  });
  return Buffer.concat(parts);
}

function decodeLocations(attachment: Buffer): BatchLocation[] {
  const locations: BatchLocation[] = [];
  let at = 0;
  while (at + LOCATION_FIXED_BYTES <= attachment.length) {
    const descriptionLength = attachment.readInt32BE(at + 16);
    if (descriptionLength < 0 || at + LOCATION_FIXED_BYTES + descriptionLength > attachment.length) throw new Error('location entry runs past its attachment');
    locations.push({
      offset: Number(attachment.readBigInt64BE(at)),
      length: attachment.readInt32BE(at + 8),
      checksum: attachment.readInt32BE(at + 12),
      partition: attachment.toString('utf8', at + 20, at + 20 + descriptionLength),
    });
    at += LOCATION_FIXED_BYTES + descriptionLength;
  }
  if (at !== attachment.length) throw new Error('trailing bytes after the last location entry');
  return locations;
}

export function encodeJournalRecord(record: JournalRecord): Buffer {
  let content: Uint8Array;
  let attachment: Buffer | undefined;
  if (record.kind === 'append') {
    content = AppendMessageCommand.encode({ messageId: record.messageId.toString(), putCommand: record.putFrame }).finish();
  } else {
    attachment = record.locations.length > 0 ? encodeLocations(record.locations) : undefined;
    const operation: Record<string, unknown> = {
      type: TxOperationTypes.indexOf(record.type) + 1,
      wasPrepared: record.wasPrepared,
      transactionId: record.txKey,
    };
    if (attachment !== undefined) operation.dataLength = attachment.length;
    if (record.owner !== undefined) operation.owner = record.owner;
    content = TransactionOperation.encode(operation).finish();
  }
  const command = TxCommand.encode({ cmdType: record.kind === 'append' ? APPEND_MSG : TX_OP, cmdContent: content, force: record.force }).finish();
  const head = Buffer.allocUnsafe(4);
  head.writeInt32BE(command.length, 0);
  return Buffer.concat(attachment === undefined ? [head, command] : [head, command, attachment]);
}

/** Byte position, inside an encoded commit record, of location `index`'s offset field. */
export function locationOffsetPosition(record: Buffer, index: number): number {
  const commandLength = record.readInt32BE(0);
  let at = 4 + commandLength;
  for (let i = 0; i < index; i += 1) at += LOCATION_FIXED_BYTES + record.readInt32BE(at + 16);
  return at;
}

export interface DecodedRecord {
  record: JournalRecord;
  /** Bytes the record takes in the file. */
  size: number;
}

/**
 * The record at `position`, or undefined if the bytes there are not a whole, parsable record: a
 * torn or zero-filled tail, where replay stops and the file is cut (docs/transactions.md).
 */
export function decodeJournalRecord(buffer: Buffer, position: number): DecodedRecord | undefined {
  if (buffer.length - position < 4) return undefined;
  const length = buffer.readInt32BE(position);
  if (length <= 0 || position + 4 + length > buffer.length) return undefined;
  try {
    const command = TxCommand.toObject(TxCommand.decode(buffer.subarray(position + 4, position + 4 + length)), {
      longs: String,
      enums: Number,
      bytes: Buffer,
      defaults: true,
    }) as { cmdType: number; cmdContent: Buffer; force: boolean };
    if (command.cmdType === APPEND_MSG) {
      const append = AppendMessageCommand.toObject(AppendMessageCommand.decode(command.cmdContent), { longs: String, bytes: Buffer }) as {
        messageId: string;
        putCommand: Buffer;
      };
      return {
        record: { kind: 'append', messageId: BigInt(append.messageId), putFrame: Buffer.from(append.putCommand), force: command.force },
        size: 4 + length,
      };
    }
    if (command.cmdType !== TX_OP) return undefined;
    const operation = TransactionOperation.toObject(TransactionOperation.decode(command.cmdContent), { enums: Number, defaults: true }) as {
      type: number;
      wasPrepared: boolean;
      transactionId: string;
      dataLength: number;
      owner: string;
    };
    const type = TxOperationTypes[operation.type - 1];
    const attachmentEnd = position + 4 + length + operation.dataLength;
    if (type === undefined || operation.dataLength < 0 || attachmentEnd > buffer.length) return undefined;
    const locations = decodeLocations(buffer.subarray(position + 4 + length, attachmentEnd));
    const record: JournalRecord = {
      kind: 'operation',
      type,
      wasPrepared: operation.wasPrepared,
      txKey: operation.transactionId,
      locations,
      force: command.force,
    };
    if (operation.owner !== '') record.owner = operation.owner;
    return { record, size: 4 + length + operation.dataLength };
  } catch {
    return undefined;
  }
}
