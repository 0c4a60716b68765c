/**
 * The renderer's patch semantics on small objects, as kustomize (Kubernetes strategic merge and
 * RFC 6902) defines them, so that k8s.test.ts validates what a cluster would really receive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPatch, PatchError, strategicMerge } from './patches.ts';

const pod = {
  spec: {
    containers: [
      { name: 'a', image: 'disco', env: [{ name: 'X', value: '1' }], ports: [{ name: 'grpc', containerPort: 50051 }], args: ['serve', 'a'] },
      { name: 'b', image: 'side' },
    ],
    tolerations: [{ key: 't1' }],
    nodeSelector: { zone: 'z1' },
  },
};

test('strategic merge: containers merge by name, env by name, ports by containerPort; other lists are replaced', () => {
  const out = strategicMerge(pod, {
    spec: {
      containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }, { name: 'X', value: '9' }], ports: [{ name: 'metrics', containerPort: 9101 }], args: ['serve', 'b'] }, { name: 'c', image: 'new' }],
      tolerations: [{ key: 't2' }],
    },
  });
  const [a, b, c] = out.spec.containers;
  assert.deepEqual(a.env, [{ name: 'X', value: '9' }, { name: 'Y', value: '2' }]);
  assert.deepEqual(a.ports.map((p) => p.containerPort), [50051, 9101]);
  assert.deepEqual(a.args, ['serve', 'b']);
  assert.equal(a.image, 'disco');
  assert.equal(b.name, 'b');
  assert.equal(c.image, 'new');
  assert.deepEqual(out.spec.tolerations, [{ key: 't2' }]);
  assert.equal(pod.spec.containers.length, 2, 'the input is not modified');
});

test('strategic merge: null deletes a key, $patch: delete removes a list item, $patch: replace replaces a map', () => {
  const out = strategicMerge(pod, { spec: { nodeSelector: { $patch: 'replace', gpu: 'yes' }, containers: [{ name: 'b', $patch: 'delete' }, { name: 'a', env: null }] } });
  assert.deepEqual(out.spec.nodeSelector, { gpu: 'yes' });
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['a']);
  assert.equal('env' in out.spec.containers[0], false);
  assert.throws(() => strategicMerge(pod, { spec: { $retainKeys: ['x'] } }), PatchError);
  assert.throws(() => strategicMerge(pod, { spec: { containers: [{ image: 'no-name' }] } }), /merge key 'name'/);
});

test('JSON 6902: add, remove, replace, test, with ~1 escapes and -', () => {
  const doc = { metadata: { labels: { 'app.kubernetes.io/name': 'x' } }, spec: { replicas: 2, list: [1, 2] } };
  const out = jsonPatch(doc, [
    { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'y' },
    { op: 'remove', path: '/spec/replicas' },
    { op: 'add', path: '/spec/list/-', value: 3 },
    { op: 'add', path: '/spec/list/0', value: 0 },
    { op: 'test', path: '/spec/list/3', value: 3 },
  ]);
  assert.deepEqual(out, { metadata: { labels: { 'app.kubernetes.io/name': 'y' } }, spec: { list: [0, 1, 2, 3] } });
  assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/spec/missing' }]), /does not exist/);
  assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 3 }]), /test \/spec\/replicas failed/);
  assert.throws(() => jsonPatch(doc, [{ op: 'move', path: '/spec/x' }]), /not supported/);
});
