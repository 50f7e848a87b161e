// kafkajs-avro: the stack of the setup this project replaces, as the peer of
// kprod -s avro and kcons -s avro: kafkajs with @kafkajs/confluent-schema-registry,
// at their defaults (npm, installed by tests/deps under tests/.deps/node).
//
//   node kafkajs-avro.js BROKERS REGISTRY send TOPIC SCHEMA_FILE < values.jsonl
//       registers the schema under TOPIC-value (the package's default
//       naming, as a kafkajs producer would), encodes each line's JSON value
//       and sends them, in one batch, to partition 0; prints the schema id
//   node kafkajs-avro.js BROKERS REGISTRY read TOPIC COUNT
//       consumes COUNT messages of partition 0 from the beginning, decodes
//       each (the writer's schema by the id in its framing) and prints it as
//       JSON, one line, keys in the schema's order
'use strict';
const path = require('path');
const fs = require('fs');
const deps = path.join(__dirname, '..', '.deps', 'node', 'node_modules');
const { Kafka, logLevel } = require(path.join(deps, 'kafkajs'));
const { SchemaRegistry, SchemaType } = require(path.join(deps, '@kafkajs', 'confluent-schema-registry'));

async function send(kafka, registry, topic, schemaFile) {
  const schema = fs.readFileSync(schemaFile, 'utf8');
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema },
    { subject: `${topic}-value` },
  );
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.length);
  const messages = [];
  for (const l of lines)
    messages.push({ partition: 0, value: await registry.encode(id, JSON.parse(l)) });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
  console.log(id);
}

async function read(kafka, registry, topic, count) {
  const consumer = kafka.consumer({ groupId: `kafkajs-avro-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${out.length} messages of ${topic}, ${count} expected`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        out.push(JSON.stringify(await registry.decode(message.value)));
        if (out.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  console.log(out.join('\n'));
}

async function main() {
  const [brokers, host, cmd, topic, arg] = process.argv.slice(2);
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const registry = new SchemaRegistry({ host });
  if (cmd === 'send') await send(kafka, registry, topic, arg);
  else if (cmd === 'read') await read(kafka, registry, topic, Number(arg));
  else throw new Error(`unknown command ${cmd}`);
}

main().catch((e) => {
  console.error(`kafkajs-avro: ${e.message}`);
  process.exit(1);
});
