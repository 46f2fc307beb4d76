/**
 * `fluxion/effects`: the effect system (`Eff<E, A>` with `Random`, `State`
 * and `IO` effects, handlers and io-ts tensor codecs).
 *
 * Not built yet: this entry point exists so the package's `./effects` export
 * resolves; the effects issue fills it in (see DESIGN.md, layer 8).
 * @packageDocumentation
 */
export {};
