public enum GroveClientPlaceholder {}
