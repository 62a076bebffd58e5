// The package ships no types; these are the two plugins we use (each is a plain turndown plugin function).
declare module '@joplin/turndown-plugin-gfm' {
  import type TurndownService from 'turndown';

  export const strikethrough: TurndownService.Plugin;
  export const taskListItems: TurndownService.Plugin;
}
