// Read by `cem analyze` in scripts/build.mjs (after its core plugins, so inheritance is applied first).
// The analyzer calls every class that extends LitElement a custom element; our abstract bases in
// src/shared/ define no tag, so in the manifest they stay plain superclasses.
export default {
  plugins: [
    {
      name: 'bt-untagged-bases',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules ?? []) {
          for (const decl of mod.declarations ?? []) if (decl.kind === 'class' && !decl.tagName) delete decl.customElement;
        }
      },
    },
  ],
};
