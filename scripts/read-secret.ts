import readline from 'node:readline'

/**
 * Reads a password: from a terminal with a prompt and no echo, otherwise the first line of stdin
 * (so `printf '%s\n' "$PW" | npm run users -- add ...` works in scripts).
 */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = ''
    for await (const chunk of process.stdin) data += String(chunk)
    return data.split(/\r?\n/)[0] ?? ''
  }
  const output = process.stderr
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true })
  const writable = rl as unknown as { _writeToOutput: (text: string) => void }
  let muted = false
  writable._writeToOutput = (text: string) => {
    if (!muted) output.write(text)
  }
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close()
      output.write('\n')
      resolve(answer)
    })
    muted = true
  })
}
