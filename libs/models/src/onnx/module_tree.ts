/**
 * Reading a module tree from outside: direct children by name (PyTorch `named_children`), and a
 * typed lookup that names the path and the expected class when the tree is not what an
 * exporter expects. Exporters use only this public view, never the modules' private fields.
 */
import type { Module } from '../nn/module.ts';
import { OnnxExportError } from './errors.ts';

/** Direct children of `m` in registration order. */
export function childrenOf(m: Module): [string, Module][] {
  return m
    .namedModules()
    .filter(({ name }) => name !== '' && !name.includes('.'))
    .map(({ name, module }) => [name, module]);
}

/** `m`'s child `name`, which must be an instance of `cls`. */
export function childOf<T extends Module>(m: Module, name: string, cls: abstract new (...args: never[]) => T, path: string): T {
  const found = childrenOf(m).find(([n]) => n === name)?.[1];
  const where = path ? `${path}.${name}` : name;
  if (!found) throw new OnnxExportError(`${where}: expected a ${cls.name} child, found none`);
  if (!(found instanceof cls)) throw new OnnxExportError(`${where}: expected a ${cls.name}, found a ${found.constructor.name}`);
  return found;
}

/** `m`'s child `name` if present (any class). */
export function optionalChild(m: Module, name: string): Module | undefined {
  return childrenOf(m).find(([n]) => n === name)?.[1];
}

/** `a.b` for a child of the module at `path` ('' is the root). */
export function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
