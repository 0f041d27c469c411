export interface K7Settings {
  port: number;
  topic: string;
  group: string;
  storage: 'file' | 'mariadb' | 'postgres';
  mode: 'at-least-once' | 'transactional';
  offsetsFile: string;
  offsetsTable: string;
  effectsFile: string;
  effectsTable: string;
}
