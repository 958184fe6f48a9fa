// The scenario's processor: softkey's population as Artillery processor functions
// (softkeyUser, softkeyCreate, softkeyGet). In your own project: npm install softkey, then this one line.
export * from "softkey/artillery";
