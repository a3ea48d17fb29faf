// The part of madge's API that scripts/check-imports.ts uses (madge ships no types).
declare module 'madge' {
  interface MadgeResult {
    /** Each file's direct dependencies, paths relative to the common base directory. */
    obj(): Record<string, string[]>
    /** Every cycle, as the files in it. */
    circular(): string[][]
  }
  interface MadgeConfig {
    fileExtensions?: string[]
    tsConfig?: string
    detectiveOptions?: Record<string, Record<string, unknown>>
    excludeRegExp?: RegExp[]
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>
}
