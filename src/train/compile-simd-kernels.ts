/**
 * WebAssembly text → bytes with wabt, for scripts/build-simd-kernels.ts and the test that checks the committed binary.
 * A development tool: wabt is a devDependency, and nothing at run time imports this file.
 */
export async function compileSimdKernels(text: string): Promise<Uint8Array> {
  const { default: initWabt } = await import('wabt');
  const wabt = await initWabt();
  const module = wabt.parseWat('simd-kernels.wat', text, { simd: true });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}
