public enum GroveForestPlaceholder {}
