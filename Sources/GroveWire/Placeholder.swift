public enum GroveWirePlaceholder {}
