import { join } from 'node:path';
import type { Command } from 'commander';
import { pullModel } from '../search/embedders/hub.ts';
import { UserError } from './context.ts';
import { createStepProgress } from './progress.ts';

export function registerModels(program: Command): void {
  const models = program.command('models').description('sentence-embedding models for meaning search');
  models
    .command('pull')
    .description('download a sentence-transformers ONNX model from the Hugging Face Hub into a local folder')
    .argument('<name>', 'a Hub model, e.g. sentence-transformers/all-MiniLM-L6-v2')
    .option('--dir <folder>', 'where models are kept', 'models')
    .option('--endpoint <url>', 'the Hub (or a mirror)', process.env.HF_ENDPOINT ?? 'https://huggingface.co')
    .addHelpText('after', '\nThen: paperboy index build --embedder onnx:models/all-MiniLM-L6-v2')
    .action(async (name: string, options: { dir: string; endpoint: string }) => {
      const target = join(options.dir, name.split('/').pop()!);
      const progress = createStepProgress();
      const result = await pullModel(name, target, { endpoint: options.endpoint, token: process.env.HF_TOKEN, onProgress: progress.update })
        .catch((err: Error) => { throw new UserError(`could not pull ${name}: ${err.message}`); })
        .finally(() => progress.stop());
      console.error(`Pulled ${result.files.length} files into ${result.dir}. Use it with: paperboy index build --embedder onnx:${result.dir}`);
    });
}
