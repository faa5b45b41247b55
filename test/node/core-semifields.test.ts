import {expect} from 'chai';
import fc from 'fast-check';
import {getSemifield, listSemifields, semifieldFromKey, semifieldToConfig} from '../../index.js';
import {refReduce} from '../reference/reference.js';

describe('semifield registry', () => {
  it('lists the five built-ins with their default parameters', () => {
    expect(listSemifields().map((s) => [s.name, s.params])).to.deep.equal([
      ['maxplus', {}],
      ['minplus', {}],
      ['log', {mu: 1}],
      ['root', {p: 2}],
      ['linear', {}],
    ]);
  });
  it('bare names mean the defaults; configs round-trip through JSON and the kernel key', () => {
    expect(semifieldToConfig('log')).to.deep.equal({name: 'log', mu: 1});
    expect(semifieldToConfig('root')).to.deep.equal({name: 'root', p: 2});
    expect(semifieldToConfig({name: 'log', mu: -0.25})).to.deep.equal({name: 'log', mu: -0.25});
    for (const c of ['maxplus', 'minplus', 'linear', {name: 'log', mu: 0.5}, {name: 'root', p: 3}] as const) {
      const sf = getSemifield(c);
      expect(getSemifield(JSON.parse(JSON.stringify(semifieldToConfig(sf))))).to.equal(sf);
      expect(semifieldFromKey(sf.key)).to.equal(sf);
    }
  });
  it('identities: 𝟘 ⊕ a = a and a ⊗ 𝟙 = a', () => {
    for (const c of [
      'maxplus',
      'minplus',
      'linear',
      {name: 'log', mu: 0.7},
      {name: 'log', mu: -2},
      {name: 'root', p: 3},
    ] as const) {
      const sf = getSemifield(c);
      for (const a of [0.5, 1.25, 3]) {
        expect(sf.plus(sf.zero, a), `${sf.key} 𝟘 ⊕ ${a}`).to.be.closeTo(a, 1e-12);
        expect(sf.term(a, sf.one), `${sf.key} ${a} ⊗ 𝟙`).to.equal(a);
      }
    }
  });
  it('plus agrees with the textbook formula and is commutative and associative (property)', () => {
    const configs = [
      {name: 'log', mu: 0.3},
      {name: 'log', mu: -1.5},
      {name: 'root', p: 2},
      {name: 'root', p: 7},
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...configs),
        fc.double({min: 0.01, max: 50, noNaN: true}),
        fc.double({min: 0.01, max: 50, noNaN: true}),
        fc.double({min: 0.01, max: 50, noNaN: true}),
        (c, a, b, d) => {
          const sf = getSemifield(c);
          const rel = (u: number, v: number) => Math.abs(u - v) / Math.max(1, Math.abs(v));
          expect(rel(sf.plus(a, b), refReduce(c, [a, b]))).to.be.at.most(1e-12);
          expect(rel(sf.plus(a, b), sf.plus(b, a))).to.be.at.most(1e-12);
          expect(rel(sf.plus(sf.plus(a, b), d), sf.plus(a, sf.plus(b, d)))).to.be.at.most(1e-10);
        },
      ),
      {numRuns: 200, seed: 7},
    );
  });
  it('log tends to max-plus as mu → 0⁺ and to min-plus as mu → 0⁻; root tends to max-times as p → ∞', () => {
    expect(getSemifield({name: 'log', mu: 1e-4}).plus(1, 3)).to.be.closeTo(3, 1e-6);
    expect(getSemifield({name: 'log', mu: -1e-4}).plus(1, 3)).to.be.closeTo(1, 1e-6);
    expect(getSemifield({name: 'root', p: 400}).plus(2, 5)).to.be.closeTo(5, 1e-6);
  });
  it('shader snippets are generated for both languages from the same definition', () => {
    const log = getSemifield({name: 'log', mu: 0.5}).shader('glsl');
    expect(log.zero).to.equal('(-INFINITY)');
    expect(log.ratio!('a', 'm')).to.contain('exp((a - m) * 2.0)');
    const wgsl = getSemifield({name: 'root', p: 3}).shader('wgsl');
    expect(wgsl.term('x', 'w')).to.equal('max(x * w, 0.0f)');
    expect(wgsl.ratio!('a', 'm')).to.match(/^select\(/);
    expect(getSemifield('minplus').shader('wgsl').zero).to.equal('uniforms.INFINITY');
  });
});
