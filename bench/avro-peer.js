// avro-peer.js: kafkajs with @kafkajs/confluent-schema-registry as a peer of
// kprod -s value=avro in bench/avro-kafka.sh, both at their defaults, as
// their READMEs show (NODE_PATH=tests/.deps/node/node_modules):
//   node avro-peer.js BROKERS REGISTRY SCHEMA TOPIC < JSON_LINES
// registers the schema in file SCHEMA under TOPIC-value, encodes each line
// with it and sends them in batches of BATCH (1000) messages, one
// producer.send() per batch; prints the number of messages acknowledged.
'use strict';
const fs = require('fs');
const readline = require('readline');
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const BATCH = 1000;

// Encodes and sends stdin's lines; resolves to the number acknowledged.
async function main(brokers, url, schemaFile, topic) {
	const registry = new SchemaRegistry({ host: url });
	const { id } = await registry.register(
		{ type: SchemaType.AVRO, schema: fs.readFileSync(schemaFile, 'utf8') },
		{ subject: `${topic}-value` });
	const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.ERROR });
	const producer = kafka.producer();
	await producer.connect();
	let batch = [];
	let acked = 0;
	// Sends the batch; send() throws unless the broker acknowledged it all.
	const flush = async () => {
		if (batch.length === 0) return;
		await producer.send({ topic, messages: batch });
		acked += batch.length;
		batch = [];
	};
	for await (const line of readline.createInterface({ input: process.stdin })) {
		batch.push({ value: await registry.encode(id, JSON.parse(line)) });
		if (batch.length === BATCH) await flush();
	}
	await flush();
	await producer.disconnect();
	return acked;
}

const [brokers, url, schemaFile, topic] = process.argv.slice(2);
if (!topic) {
	console.error('usage: node avro-peer.js BROKERS REGISTRY SCHEMA TOPIC < JSON_LINES');
	process.exit(2);
}
main(brokers, url, schemaFile, topic).then((n) => console.log(n), (e) => {
	console.error(`avro-peer.js: ${e.message}`);
	process.exit(1);
});
